"""Follow-ups in the admin: templates in Japanese and English with a preview of both, the rules,
and the messages planned and sent (read only; addresses are not shown here)."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from console.follow_ups.models import FollowUp, FollowUpRule, MessageTemplate
from console.follow_ups.templates import SAMPLE_CONTEXT, TemplateError, previews, render_message


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["code", "is_survey", "subject_ja", "body_ja", "subject_en", "body_en"]

    def clean(self):
        """A template that would not render is refused here, not at 8 in the morning."""
        cleaned = super().clean()
        trial = MessageTemplate(**{k: v for k, v in cleaned.items() if k != "id"})
        for language in ("ja", "en"):
            try:
                render_message(template=trial, language=language, context=SAMPLE_CONTEXT)
            except TemplateError as error:
                raise forms.ValidationError(
                    _("The %(language)s template does not render: %(error)s")
                    % {"language": language, "error": error}
                ) from error
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["code", "subject_ja", "subject_en", "is_survey"]
    search_fields = ["code", "subject_ja", "subject_en"]
    readonly_fields = ["preview"]
    fieldsets = [
        (None, {"fields": ["code", "is_survey"]}),
        (_("Japanese"), {"fields": ["subject_ja", "body_ja"]}),
        (_("English"), {"fields": ["subject_en", "body_en"]}),
        (_("Preview (sample customer)"), {"fields": ["preview"]}),
    ]

    @admin.display(description=_("Preview"))
    def preview(self, template: MessageTemplate):
        if template.pk is None:
            return _("Save the template to see its preview.")
        return format_html_join(
            "",
            '<div class="follow-up-preview" lang="{}"><strong>{}</strong>'
            '<pre style="white-space: pre-wrap">{}</pre></div>',
            (
                (language, shown.subject, shown.body)
                if not isinstance(shown, str)
                else (language, _("Does not render"), shown)
                for language, shown in previews(template).items()
            ),
        )


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(admin.ModelAdmin):
    list_display = ["desk", "wrap_up_code", "trigger", "template", "channel", "is_active"]
    list_filter = ["desk", "trigger", "channel", "is_active"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["rule", "customer_id", "status", "due_at", "sent_at", "attempts"]
    list_filter = ["status", "rule"]
    fields = [
        "rule",
        "customer_id",
        "contact_id",
        "case_id",
        "status",
        "due_at",
        "sent_at",
        "attempts",
        "last_error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
