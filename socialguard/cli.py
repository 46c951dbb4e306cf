"""The `socialguard` command: Django's management commands with SocialGuard's settings preset."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    from socialguard.web.datadir import private_umask

    # Before the settings write the keys or a command writes anything: files 0600, folders 0700.
    private_umask()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialguard.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "socialguard"
    if len(args) == 1:
        args.append("help")
    from socialguard.policy.pack import PackError

    try:
        execute_from_command_line(args)
    except PackError as exc:
        # A broken policy pack is the school's to fix: say which keys, without a traceback.
        sys.stderr.write(f"SocialGuard cannot start: the {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
