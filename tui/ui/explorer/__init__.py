"""The explorer: ``model`` (state and pure transitions), ``loader`` (workers that post messages),
``screen`` (the composition that routes them)."""
