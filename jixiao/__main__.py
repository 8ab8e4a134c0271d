"""``python -m jixiao``."""

from jixiao.cli import main

main()
