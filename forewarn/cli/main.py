"""`python -m forewarn.cli.main`: the CLI without the console script."""

from forewarn.cli import app

if __name__ == "__main__":
    app()
