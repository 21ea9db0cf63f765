"""cases — applications (办件) from submission to conclusion, and their workflow.

Owns applications, their materials and supplements, the BPMN engine wrapper (`engine`), staff tasks
(the workbench), time limits counted in working days, the public progress query and the
satisfaction rating (好差评) with its rectification tasks, and the masking and recorded reveal of the
personal data in a case (`reveal`). Public functions live in `services`
(application_*, task_complete, rating_submit, deadline_scan) and `selectors` (application_*_for,
task_list_for, progress_public); `reveal.personal_data_reveal`, `reveal.application_form_masked`.
"""
