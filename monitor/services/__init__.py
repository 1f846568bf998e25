"""Long-running services over the library: scheduled refreshes (``refresh``: sources, fetching,
runs, alerts), the scheduler's leadership (``leader``) and editors' sign-in (``auth``). The
``scheduler`` module and the dashboard wire these to APScheduler and Streamlit; nothing here
imports either."""
