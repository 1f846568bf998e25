"""The `monitor` command: a thin layer over the library (`monitor = "monitor.cli:main"`, `python -m monitor.cli`).

- monitor.cli.app: the Click group :data:`main`, its one error handler (every failure: one ``Error:``
  line and the README's exit code) and the options that override settings (from monitor.settings);
- monitor.cli.output: how everything is printed (control characters escaped, JSON, data, tables);
- the commands, by subject: readings (add, import, readings, rejected, export, status), catalog
  (init, indicators, catalog import/export), card (a picture card for a chat), maintenance (backup, restore, check), refresh (refresh,
  runs, events, scheduler, leader), serve (up), admin (hash-password, migrate, settings), report (report), offices (offices),
  withdraw (withdraw, withdraw-target).

Importing this package loads no command module: ``main`` imports the module of the command it runs
(monitor.cli.app.COMMAND_MODULES), so one command does not pay for the imports of all the others.
``main.load_commands()`` (or ``main.list_commands(ctx)``) loads them all.
"""

from monitor.cli.app import EXIT_CODES, main

__all__ = ["EXIT_CODES", "main"]
