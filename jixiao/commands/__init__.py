"""CLI verbs, one module each; every module registers its command(s) on ``jixiao.cli.app``."""
