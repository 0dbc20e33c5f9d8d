"""Admin pages for clients, consents, resources and signing keys. No secret is
ever shown.

The Application admin replaces django-oauth-toolkit's: it never renders
``client_secret`` (a digest here, but still not for display), edits the
RFC 7591 metadata in the profile inline, and creates clients through
:func:`~.services.clients.create_client`, so a client made in the admin is
validated like one made through the API. The new plaintext secret is
rendered once in the response to the add (or "rotate secret") request and
never stored in a message, session or log. Signing keys show their public
JWK only; the encrypted private key is never displayed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from oauth2_provider.models import get_application_model

from better_auth.keys import rotate
from better_auth.models import SigningKey

from .errors import OAuthError
from .keys import policy
from .models import AUTH_METHODS, ClientProfile, ClientResource, Consent, Resource
from .services import clients as service

__all__ = ["ApplicationAdmin", "ConsentAdmin", "SigningKeyAdmin"]

Application = get_application_model()

GRANT_CHOICES = [
    ("authorization_code", "authorization_code"),
    ("refresh_token", "refresh_token"),
    ("client_credentials", "client_credentials"),
]


def _lines(value: str) -> list[str]:
    return [v for v in (value or "").split() if v]


class ClientAddForm(forms.ModelForm):
    """RFC 7591 metadata for a new client; validated by the service layer."""

    redirect_uris = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One URI per line, compared exactly (loopback IPs: any port).",
    )
    post_logout_redirect_uris = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    token_endpoint_auth_method = forms.ChoiceField(
        choices=[(m, m) for m in AUTH_METHODS], initial="client_secret_basic"
    )
    application_type = forms.ChoiceField(
        choices=[("web", "web"), ("native", "native")], initial="web"
    )
    grant_types = forms.MultipleChoiceField(
        choices=GRANT_CHOICES,
        initial=["authorization_code", "refresh_token"],
        widget=forms.CheckboxSelectMultiple,
    )
    scope = forms.CharField(
        required=False, help_text="Space separated; empty means every scope."
    )
    client_credentials_scopes = forms.CharField(required=False)
    skip_consent = forms.BooleanField(required=False)
    enable_end_session = forms.BooleanField(required=False)

    class Meta:
        model = Application
        fields = ("name", "user")

    def metadata(self) -> dict[str, Any]:
        data = self.cleaned_data
        grants = list(data.get("grant_types") or [])
        out: dict[str, Any] = {
            "client_name": data.get("name") or None,
            "redirect_uris": _lines(data.get("redirect_uris", "")),
            "post_logout_redirect_uris": _lines(
                data.get("post_logout_redirect_uris", "")
            ),
            "token_endpoint_auth_method": data.get("token_endpoint_auth_method"),
            "application_type": data.get("application_type"),
            "grant_types": grants,
            "response_types": ["code"] if "authorization_code" in grants else [],
            "skip_consent": bool(data.get("skip_consent")),
            "enable_end_session": bool(data.get("enable_end_session")),
            "client_credentials_scopes": _lines(
                data.get("client_credentials_scopes", "")
            ),
        }
        if data.get("scope"):
            out["scope"] = data["scope"]
        return out

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            try:
                service.normalize_metadata(self.metadata())
            except OAuthError as error:
                raise ValidationError(f"{error.error}: {error.description}") from None
        return cleaned


class ClientProfileInline(admin.StackedInline):
    model = ClientProfile
    can_delete = False
    max_num = 1
    min_num = 1
    fields = (
        "disabled",
        "skip_consent",
        "enable_end_session",
        "require_pkce",
        "scopes",
        "client_credentials_scopes",
        "token_endpoint_auth_method",
        "application_type",
        "grant_types",
        "response_types",
        "client_uri",
        "logo_uri",
        "tos_uri",
        "policy_uri",
        "contacts",
        "reference_id",
        "client_secret_expires_at",
        "metadata",
    )
    # Changing the method would strand or invent a secret (Better Auth
    # keeps it immutable too).
    readonly_fields = ("token_endpoint_auth_method",)


@admin.action(description="Rotate the client secret (shown once)")
def rotate_client_secret(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet
) -> HttpResponse | None:
    if queryset.count() != 1:
        modeladmin.message_user(
            request, "Select exactly one client to rotate.", messages.ERROR
        )
        return None
    app = queryset.first()
    try:
        secret = service.rotate_secret(app)
    except OAuthError as error:
        modeladmin.message_user(request, str(error.description), messages.ERROR)
        return None
    return modeladmin.secret_page(request, app, secret, rotated=True)


class _ClientResourceLinks(admin.TabularInline):
    """A client-resource link edited from one side; ``fk_name`` is that side."""

    model = ClientResource
    extra = 0
    readonly_fields = ("created_at",)


class ClientResourceInline(_ClientResourceLinks):
    """The resources a client may get tokens for (RFC 8707)."""

    fk_name = "client"
    autocomplete_fields = ("resource",)
    fields = ("resource", "metadata", "created_at")
    verbose_name = "protected resource"
    verbose_name_plural = "protected resources (RFC 8707)"


class ResourceClientInline(_ClientResourceLinks):
    """The clients linked to a resource."""

    fk_name = "resource"
    raw_id_fields = ("client",)
    fields = ("client", "metadata", "created_at")
    verbose_name = "linked client"
    verbose_name_plural = "linked clients"


# What an administrator edits on a resource; the form and the page agree.
RESOURCE_FIELDS = (
    "identifier",
    "name",
    "enabled",
    "access_token_ttl",
    "refresh_token_ttl",
    "allowed_scopes",
    "custom_claims",
    "signing_algorithm",
    "signing_key_id",
    "dpop_required",
    "metadata",
)


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = RESOURCE_FIELDS

    def clean_identifier(self) -> str:
        from .services.resources import identifier_problem

        value = self.cleaned_data["identifier"]
        problem = identifier_problem(value)
        if problem:
            raise ValidationError(problem)
        return value

    def clean_allowed_scopes(self) -> Any:
        value = self.cleaned_data.get("allowed_scopes")
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            raise ValidationError("a list of scope names, or empty for every scope")
        return value

    def clean_custom_claims(self) -> Any:
        value = self.cleaned_data.get("custom_claims")
        if value is not None and not isinstance(value, dict):
            raise ValidationError("an object of claim names to values")
        return value


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    """Protected resources; the table is authoritative over RESOURCES."""

    list_display = (
        "identifier",
        "name",
        "enabled",
        "access_token_ttl",
        "signing_algorithm",
        "dpop_required",
        "updated_at",
    )
    list_filter = ("enabled", "signing_algorithm", "dpop_required")
    search_fields = ("identifier", "name", "client_links__client__client_id")
    readonly_fields = ("created_at", "updated_at")
    inlines = (ResourceClientInline,)
    fields = (*RESOURCE_FIELDS, "created_at", "updated_at")

    form = ResourceForm

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        from django.utils import timezone

        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


class ApplicationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "client_id",
        "user",
        "client_type",
        "registration_source",
        "created",
    )
    list_filter = ("client_type", "registration_source")
    search_fields = ("name", "client_id", "user__email")
    raw_id_fields = ("user",)
    ordering = ("-created",)
    actions = (rotate_client_secret,)
    fields = (
        "client_id",
        "name",
        "user",
        "redirect_uris",
        "post_logout_redirect_uris",
        "client_type",
        "registration_source",
        "created",
        "updated",
    )
    readonly_fields = (
        "client_id",
        "client_type",
        "registration_source",
        "created",
        "updated",
    )

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ClientAddForm
            kwargs["fields"] = ("name", "user")
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [
                (
                    None,
                    {
                        "fields": (
                            "name",
                            "user",
                            "redirect_uris",
                            "post_logout_redirect_uris",
                            "token_endpoint_auth_method",
                            "application_type",
                            "grant_types",
                            "scope",
                            "client_credentials_scopes",
                            "skip_consent",
                            "enable_end_session",
                        )
                    },
                )
            ]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return [ClientProfileInline, ClientResourceInline]

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        _, secret = service.create_client(
            form.metadata(), owner=form.cleaned_data.get("user"), instance=obj
        )
        request._better_auth_new_secret = secret  # type: ignore[attr-defined]

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        if change:
            profile = service.profile_of(form.instance)
            app = form.instance
            if app.skip_authorization != profile.skip_consent:
                app.skip_authorization = profile.skip_consent
                app.save(update_fields=["skip_authorization", "updated"])

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: Any = None
    ) -> HttpResponse:
        secret = getattr(request, "_better_auth_new_secret", None)
        return self.secret_page(request, obj, secret, rotated=False)

    def secret_page(
        self, request: HttpRequest, app: Any, secret: str | None, *, rotated: bool
    ) -> HttpResponse:
        """Render the new credentials once; the page is never cached."""
        response = TemplateResponse(
            request,
            "admin/better_auth_oauth_provider/client_secret.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Client secret rotated" if rotated else "Client created",
                "application": app,
                "secret": secret,
            },
        )
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "application", "scope_list", "updated_at")
    list_select_related = ("user", "application")
    search_fields = ("user__email", "application__client_id", "application__name")
    raw_id_fields = ("user", "application")
    readonly_fields = ("id", "created_at", "updated_at")
    fields = (
        "id",
        "user",
        "application",
        "reference_id",
        "scopes",
        "requested_userinfo_claims",
        "resources",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="scopes")
    def scope_list(self, obj: Consent) -> str:
        return " ".join(obj.scopes or [])


@admin.action(description="Rotate the signing key of these algorithms")
def rotate_signing_keys(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet
) -> None:
    grace = policy().grace_period
    for alg in sorted(set(queryset.values_list("alg", flat=True))):
        key = rotate(alg, grace_period=grace)
        modeladmin.message_user(request, f"New {alg} signing key {key.pk}.")


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "alg",
        "created_at",
        "expires_at",
        "retired",
        "published_until",
    )
    list_filter = ("alg", "retired")
    ordering = ("-created_at",)
    actions = (rotate_signing_keys,)
    # ``private_key`` is not editable, so it is never part of any form.
    fields = (
        "id",
        "alg",
        "crv",
        "public_key",
        "created_at",
        "expires_at",
        "retired",
        "published_until",
    )
    readonly_fields = ("id", "alg", "crv", "public_key", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


if admin.site.is_registered(Application):
    admin.site.unregister(Application)
admin.site.register(Application, ApplicationAdmin)
