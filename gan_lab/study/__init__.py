"""Studies: multiruns that survive a kill and grow in place.

A study is a Hydra multirun in a directory of its own (`outputs/studies/NAME/`, see `directory`),
each member in a subdirectory named by its overrides (`members`), so that re-running the command
(`resume=auto`, or more seeds) finds every member where it left it. Hydra's study sweeper
(`sweeper=study`, the default; gan_lab/plugins) runs only the members that have not completed.
"""
