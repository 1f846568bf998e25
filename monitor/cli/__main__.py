"""`python -m monitor.cli`: the same CLI as the `monitor` command."""

from monitor.cli import main

main()
