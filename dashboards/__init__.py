"""The Streamlit dashboard: ``app.py`` is its single entry (``monitor up`` runs it), the pages are thin.

Shipped in the wheel beside ``monitor``; the library never imports this package (an import contract).
"""
