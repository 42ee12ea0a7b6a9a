"""A template's subject and body in one language, filled in: Django's template language, as
plain text (a message is not HTML, so nothing is escaped)."""

from dataclasses import dataclass

from django.template import Context, Template, TemplateSyntaxError

from console.follow_ups.models import Language, MessageTemplate

# What the admin's preview fills a template with.
SAMPLE_CONTEXT = {
    "customer_name": "山田 太郎",
    "case_subject": "カード再発行 / card reissue",
    "wrap_up": "返済計画の合意 / repayment plan agreed",
    "disposition": "毎月25日に2万円 / ¥20,000 on the 25th of each month",
    "survey_url": "https://console.example.jp/survey/SAMPLE/",
}


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


class TemplateError(Exception):
    """A template that does not render; the message says where."""


def _filled(source: str, context: dict) -> str:
    try:
        template = Template("{% autoescape off %}" + source + "{% endautoescape %}")
    except TemplateSyntaxError as error:
        raise TemplateError(str(error)) from error
    return template.render(Context(context)).strip()


def render_message(*, template: MessageTemplate, language: str, context: dict) -> RenderedMessage:
    if language == Language.ENGLISH:
        subject, body = template.subject_en, template.body_en
    else:
        subject, body = template.subject_ja, template.body_ja
    # A subject is one line: a line break in it would start the mail's body early.
    subject = " ".join(_filled(subject, context).split())
    return RenderedMessage(subject=subject, body=_filled(body, context))


def previews(template: MessageTemplate) -> dict[str, RenderedMessage | str]:
    """Both languages filled with the sample context, or the error that stops each."""
    shown = {}
    for language in Language:
        try:
            shown[language.value] = render_message(
                template=template, language=language, context=SAMPLE_CONTEXT
            )
        except TemplateError as error:
            shown[language.value] = str(error)
    return shown
