"""Task lists' checkboxes get an accessible name: the text of their item (`opsbook.site.accessible`).

The HTML is what `pymdownx.tasklist` renders, in each of its forms; the browser tests check the built
review pages with axe-core.
"""

from __future__ import annotations

import markdown
import pytest
from opsbook.site.accessible import label_task_lists


def _tasklist(source: str, custom_checkbox: bool = True) -> str:
    converter = markdown.Markdown(extensions=["pymdownx.tasklist"],
                                  extension_configs={"pymdownx.tasklist": {"custom_checkbox": custom_checkbox}})
    return converter.convert(source)


def test_each_checkbox_is_named_by_its_text_links_and_all():
    html = _tasklist("- [ ] Walk through each [SLO](../slos.md)\n- [x] Count `incidents`\n")
    assert label_task_lists(html) == (
        '<ul class="task-list">\n'
        '<li class="task-list-item"><label class="task-list-control">'
        '<input type="checkbox" disabled aria-labelledby="ops-task-1"/><span class="task-list-indicator"></span>'
        '</label> <span id="ops-task-1">Walk through each <a href="../slos.md">SLO</a></span></li>\n'
        '<li class="task-list-item"><label class="task-list-control">'
        '<input type="checkbox" disabled checked aria-labelledby="ops-task-2"/><span class="task-list-indicator"></span>'
        '</label> <span id="ops-task-2">Count <code>incidents</code></span></li>\n'
        '</ul>')


def test_a_nested_list_is_not_part_of_its_parents_name():
    html = label_task_lists(_tasklist("- [ ] Rotate\n    - [ ] the Stripe key\n", custom_checkbox=False))
    assert '<input type="checkbox" disabled aria-labelledby="ops-task-1"/> <span id="ops-task-1">Rotate</span><ul' in html
    assert '<input type="checkbox" disabled aria-labelledby="ops-task-2"/> <span id="ops-task-2">the Stripe key</span></li>' in html


def test_a_loose_list_with_paragraphs():
    html = label_task_lists(_tasklist("- [ ] one\n\n- [x] two\n"))
    assert '<p><label class="task-list-control"><input type="checkbox" disabled aria-labelledby="ops-task-1"/>' in html
    assert '</label> <span id="ops-task-2">two</span></p>' in html


@pytest.mark.parametrize("html", [
    "<p>No task list here.</p>",
    '<ul><li class="task-list-item"><input type="checkbox" disabled aria-label="Named already"/> text</li></ul>',
    '<ul class="task-list"><li class="task-list-item"><input type="checkbox" disabled/></li></ul>',  # nothing to name it by
])
def test_what_it_leaves_alone(html):
    assert label_task_lists(html) == html
