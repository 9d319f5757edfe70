"""The data-quality report of a run: one self-contained HTML page (write.py) and a
workbook per department (department.py), built from the published warehouse."""
