"""The Failed jobs screen: model.py (state), loader.py (the scan and detail workers), screen.py
(the composition), and its widgets (table.py, sources.py, detail.py) and lines (render.py)."""
