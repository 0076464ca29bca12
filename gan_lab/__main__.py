import sys

from gan_lab.resume import resume_argument_error
from gan_lab.run import main

if __name__ == "__main__":
    error = resume_argument_error(sys.argv[1:])
    if error:
        sys.exit(f"gan_lab: {error}")
    main()
