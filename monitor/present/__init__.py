"""Presentation helpers shared by the CLI and the dashboard: the message table and number words
(``i18n``), status records in words (``wording``), the overview's rows (``overview``), chart series
(``chart_data``), listings (``views``) and the entry form's and upload preview's helpers
(``entry``). They read the store, the status service and files; they draw nothing (no streamlit)."""
