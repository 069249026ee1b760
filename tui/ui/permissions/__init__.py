"""The Permissions screen: model.py (state), the loaders (token_view.TokenLoader, probe.py,
discovery.py), screen.py (the composition), token_view.py (the Token tab) and render.py (lines)."""
