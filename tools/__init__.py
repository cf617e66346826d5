"""The course's classroom and maintenance tools (run them as scripts: ``python tools/<name>.py``).

nbio: notebook files (read, write, cell text); student: the plain student edition and the hand-out;
grade: the course's own grader; sandbox: how the grader cuts the network and kills runaway kernels;
nbgrader_course: the same lessons as an nbgrader course; nb: notebook maintenance.
"""
