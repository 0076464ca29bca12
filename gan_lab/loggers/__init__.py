"""Logger factories for `conf/logger/` where Lightning's classes need a decision made at run time."""
