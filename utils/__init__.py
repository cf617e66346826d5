"""The course's helper package: everything more than one notebook needs, one concept per module.

Nothing here runs on import. Start with ``utils.course.setup("NN")`` (every notebook's setup
cell calls it); CONTRIBUTING.md has the module map.
"""
