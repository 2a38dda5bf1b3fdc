"""`python -m monitor` runs the claimwatch command line."""

from monitor.cli import main

main()
