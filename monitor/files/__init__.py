"""Reading and writing files: one reader layer for every format a reading file comes in
(``readers``), the import of readings (``ingest``), the catalogue's YAML (``catalog``) and exports
(``export``). Above the model, the store and the status service; below presentation, the services
and the apps. Nothing here imports streamlit or apscheduler."""
