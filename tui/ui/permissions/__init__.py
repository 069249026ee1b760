"""The Permissions screen: model.py (state), loaders.py (the token, probe and discovery workers),
screen.py (the composition), tabs.py (the tabs' widgets), token_view.py (the Token tab) and
render.py (row colours, summary lines)."""
