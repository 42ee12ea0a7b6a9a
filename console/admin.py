"""The Django admin, in Japanese and English: people and their roles, agents' desks and skills,
queues with their service-level targets, wrap-up codes, API clients and webhook subscriptions;
sign-in lockouts and viewing alerts, read only. A client's key and a subscription's secret are
made by the same functions the commands and the API use, and shown once, on the page that
answers the form."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from console.agents.models import Agent
from console.audit.models import SignInLockout, ViewAlert
from console.calls import admin as calls_admin  # noqa: F401  (registers the desk policies)
from console.follow_ups import admin as follow_ups_admin  # noqa: F401  (registers templates, rules)
from console.integrations.clients import create_api_client, revoke_api_clients
from console.integrations.models import (
    ApiClient,
    ApiScope,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from console.integrations.webhook_addresses import WebhookAddressError, check_subscription_url
from console.integrations.webhook_emitting import subscribe
from console.roles import ROLES, display_name, roles_of, set_roles
from console.telephony import admin as telephony_admin  # noqa: F401  (registers the mappings)
from contacts.models import Queue, WrapUpCode

User = get_user_model()
ROLE_CHOICES = [
    ("agent", _("Agent")),
    ("supervisor", _("Supervisor")),
    ("steward", _("Data steward")),
    ("admin", _("Administrator")),
]
assert [value for value, _label in ROLE_CHOICES] == ROLES


def _shown_once(request, *, title: str, label: str, secret: str, back: str) -> TemplateResponse:
    """The page that shows a new key or secret, the only time it can be read."""
    return TemplateResponse(
        request,
        "admin/shown_once.html",
        {
            "title": title,
            "label": label,
            "secret": secret,
            "back": back,
            "site_header": admin.site.site_header,
        },
    )


# --- people ---


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=ROLE_CHOICES, required=False, label=_("Roles"), **kwargs)


class PersonCreationForm(UserCreationForm):
    roles = RolesField()

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "last_name", "first_name", "email"]


class PersonChangeForm(UserChangeForm):
    roles = RolesField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = roles_of(self.instance)


class SkillsField(forms.MultipleChoiceField):
    """Skills are the queues an agent may take, as checkboxes of the queues that exist."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(required=False, label=_("skills"), **kwargs)
        self.choices = lambda: [(q.name, str(q)) for q in Queue.objects.order_by("desk", "name")]


class AgentForm(forms.ModelForm):
    skills = SkillsField()

    class Meta:
        model = Agent
        fields = ["desk", "skills"]


class AgentInline(admin.StackedInline):
    model = Agent
    form = AgentForm
    fields = ["desk", "skills"]
    can_delete = False
    max_num = 1
    extra = 1
    verbose_name = _("agent desk")
    verbose_name_plural = _("agent desk (for people who take calls)")


admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    """People with their roles (the groups of console.roles) and, for agents, a desk. Roles are
    the only permissions given here: the admin role cannot make anyone a superuser."""

    form = PersonChangeForm
    add_form = PersonCreationForm
    inlines = [AgentInline]
    list_display = ["username", "person_name", "role_names", "agent_desk", "is_active"]
    list_filter = ["groups", "is_active", "agent__desk"]
    search_fields = ["username", "last_name", "first_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["last_name", "first_name", "email"]}),
        (_("Roles"), {"fields": ["roles", "is_active"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "last_name",
                    "first_name",
                    "email",
                    "password1",
                    "password2",
                    "roles",
                ],
            },
        )
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request):
        people = super().get_queryset(request).select_related("agent").prefetch_related("groups")
        # An admin who is not a superuser may not reset a superuser's password.
        return people if request.user.is_superuser else people.filter(is_superuser=False)

    @admin.display(description=_("Name"))
    def person_name(self, user) -> str:
        return display_name(username="", last_name=user.last_name, first_name=user.first_name)

    @admin.display(description=_("Roles"))
    def role_names(self, user) -> str:
        names = dict(ROLE_CHOICES)
        return ", ".join(str(names[role]) for role in roles_of(user))

    @admin.display(description=_("desk"))
    def agent_desk(self, user) -> str:
        agent = getattr(user, "agent", None)
        return agent.get_desk_display() if agent else ""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        set_roles(user=form.instance, roles=form.cleaned_data.get("roles", []))


# --- the floor: queues and wrap-up codes ---


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "label_ja",
        "label_en",
        "desk",
        "service_level_seconds",
        "service_level_target",
        "abandonment_target",
    ]
    list_editable = ["service_level_seconds", "service_level_target", "abandonment_target"]
    list_filter = ["desk"]
    search_fields = ["name", "label_ja", "label_en"]


@admin.register(WrapUpCode)
class WrapUpCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "label_ja", "label_en", "desk"]
    list_filter = ["desk"]
    search_fields = ["code", "label_ja", "label_en"]


# --- integrations ---


class ScopesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=ApiScope.choices, label=_("scopes"), **kwargs)


class ApiClientCreationForm(forms.ModelForm):
    scopes = ScopesField()

    class Meta:
        model = ApiClient
        fields = ["name"]


class ApiClientChangeForm(forms.ModelForm):
    scopes = ScopesField()

    class Meta:
        model = ApiClient
        fields = ["name", "scopes"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "scope_names", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "key_prefix"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = ApiClientChangeForm if obj else ApiClientCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["name", "scopes", *(self.readonly_fields if obj else [])]

    @admin.display(description=_("scopes"))
    def scope_names(self, client) -> str:
        names = dict(ApiScope.choices)
        return ", ".join(str(names.get(scope, scope)) for scope in client.scopes)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = create_api_client(
            name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
        )
        obj.pk, obj.key_prefix, obj.scopes = (
            issued.client.pk,
            issued.client.key_prefix,
            issued.client.scopes,
        )
        obj._state.adding = False
        request.issued_secret = issued.key

    def response_add(self, request, obj, post_url_continue=None):
        return _shown_once(
            request,
            title=_("API client %(name)s created") % {"name": obj.name},
            label=_("Its key, shown only now: give it to the system that calls the API."),
            secret=request.issued_secret,
            back="../",
        )

    @admin.action(description=_("Revoke the selected clients' keys"))
    def revoke(self, request, queryset):
        count = revoke_api_clients(clients=queryset)
        self.message_user(
            request, _("%(count)d key(s) revoked.") % {"count": count}, messages.SUCCESS
        )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status_code", "error", "duration_ms"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    readonly_fields = [
        "subscription",
        "event_id",
        "event_type",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    ]
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request) -> bool:
        return False


class EventTypesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=WebhookEvent.choices, label=_("event types"), **kwargs)


class WebhookSubscriptionForm(forms.ModelForm):
    event_types = EventTypesField()

    class Meta:
        model = WebhookSubscription
        fields = ["client", "url", "event_types", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            check_subscription_url(url)
        except WebhookAddressError as error:
            raise ValidationError(str(error)) from error
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["url", "client", "event_names", "is_active", "created_at"]
    list_filter = ["is_active"]
    # The secret is never shown again: anyone reading it here could sign deliveries the
    # receiver would trust. It is shown once, when the subscription is made.
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["client", "created_at"] if obj else []

    def get_fields(self, request, obj=None):
        return ["client", "url", "event_types", "is_active", *(["created_at"] if obj else [])]

    @admin.display(description=_("event types"))
    def event_names(self, subscription) -> str:
        names = dict(WebhookEvent.choices)
        return ", ".join(str(names.get(event, event)) for event in subscription.event_types)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        made = subscribe(
            client=form.cleaned_data["client"],
            url=form.cleaned_data["url"],
            event_types=form.cleaned_data["event_types"],
        )
        if not form.cleaned_data["is_active"]:
            made.is_active = False
            made.save(update_fields=["is_active"])
        obj.pk, obj.secret, obj.created_at = made.pk, made.secret, made.created_at
        obj._state.adding = False
        request.issued_secret = made.secret

    def response_add(self, request, obj, post_url_continue=None):
        return _shown_once(
            request,
            title=_("Webhook subscription for %(url)s created") % {"url": obj.url},
            label=_("Its signing secret, shown only now: the receiver checks signatures with it."),
            secret=request.issued_secret,
            back="../",
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """An audit trail: read, never written or removed by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SignInLockout)
class SignInLockoutAdmin(ReadOnlyAdmin):
    list_display = ["username", "address", "at"]
    search_fields = ["username", "address"]


@admin.register(ViewAlert)
class ViewAlertAdmin(ReadOnlyAdmin):
    list_display = ["viewer", "customers", "limit", "raised_at"]
    search_fields = ["viewer__username"]
