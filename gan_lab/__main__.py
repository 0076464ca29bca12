import sys

from gan_lab.cli import main
from gan_lab.errors import USAGE_EXIT_CODE
from gan_lab.resume import resume_argument_error

if __name__ == "__main__":
    error = resume_argument_error(sys.argv[1:])
    if error:
        print(f"gan_lab: {error}", file=sys.stderr)
        sys.exit(USAGE_EXIT_CODE)
    main()
