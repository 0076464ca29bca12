import sys

from gan_lab.errors import USAGE_EXIT_CODE
from gan_lab.heap import freeze_imported_objects
from gan_lab.resume import resume_argument_error
from gan_lab.run import main

if __name__ == "__main__":
    freeze_imported_objects()
    error = resume_argument_error(sys.argv[1:])
    if error:
        print(f"gan_lab: {error}", file=sys.stderr)
        sys.exit(USAGE_EXIT_CODE)
    main()
