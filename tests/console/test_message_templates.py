"""Follow-up templates in Japanese and English, edited in the admin with a preview of both."""

import pytest

from console.follow_ups.models import MessageTemplate
from console.follow_ups.templates import SAMPLE_CONTEXT, render_message

REISSUE = {
    "code": "reissued",
    "subject_ja": "{{ case_subject }}のお知らせ",
    "body_ja": "{{ customer_name }}様\n{{ case_subject }}が完了しました。",
    "subject_en": "About your {{ case_subject }}",
    "body_en": "Dear {{ customer_name }},\nyour {{ case_subject }} is done & dusted.",
}


@pytest.mark.django_db
def test_a_template_renders_in_the_customers_language_as_plain_text():
    template = MessageTemplate.objects.create(**REISSUE)
    context = {**SAMPLE_CONTEXT, "case_subject": "card <reissue>"}

    english = render_message(template=template, language="en", context=context)
    japanese = render_message(template=template, language="ja", context=context)

    assert english.subject == "About your card <reissue>"
    assert english.body == "Dear 山田 太郎,\nyour card <reissue> is done & dusted."
    assert japanese.subject == "card <reissue>のお知らせ"


@pytest.mark.django_db
def test_the_admin_previews_both_languages(client, admin_user):
    template = MessageTemplate.objects.create(**REISSUE)
    client.force_login(admin_user)

    page = client.get(f"/admin/console/messagetemplate/{template.pk}/change/").content.decode()

    assert "カード再発行 / card reissueのお知らせ" in page
    assert "About your カード再発行 / card reissue" in page
    assert "Dear 山田 太郎," in page


@pytest.mark.django_db
def test_the_admin_refuses_a_template_that_does_not_render(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        "/admin/console/messagetemplate/add/",
        {**REISSUE, "body_en": "Dear {% if customer_name %}"},
    )

    assert response.status_code == 200  # the form again, with the error
    assert not MessageTemplate.objects.exists()


@pytest.mark.django_db
def test_the_admin_saves_an_edited_template(client, admin_user):
    template = MessageTemplate.objects.create(**REISSUE)
    client.force_login(admin_user)

    response = client.post(
        f"/admin/console/messagetemplate/{template.pk}/change/",
        {**REISSUE, "subject_en": "Your {{ case_subject }} is done"},
    )

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject_en == "Your {{ case_subject }} is done"
