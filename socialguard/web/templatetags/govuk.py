"""Template helpers for the GOV.UK Frontend component includes in templates/components/."""

import copy

from django import forms, template

register = template.Library()

# Widget class -> the GOV.UK component that renders it. Checked in order, so subclasses come
# before their parents (CheckboxSelectMultiple is a RadioSelect subclass, PasswordInput an Input).
_WIDGET_TYPES = (
    (forms.HiddenInput, "hidden"),
    (forms.MultipleHiddenInput, "hidden"),
    (forms.CheckboxSelectMultiple, "checkboxes"),
    (forms.RadioSelect, "radios"),
    (forms.CheckboxInput, "checkbox"),
    (forms.Select, "select"),  # includes SelectMultiple and NullBooleanSelect
    (forms.Textarea, "textarea"),
    (forms.FileInput, "file"),  # includes ClearableFileInput
    (forms.PasswordInput, "password"),
    (forms.DateInput, "date"),
    (forms.EmailInput, "email"),
    (forms.NumberInput, "number"),
)

# The GOV.UK class for each type, and the extra class it takes when the field has errors.
_INPUT_CLASSES = {
    "checkbox": ("govuk-checkboxes__input", ""),
    "textarea": ("govuk-textarea", "govuk-textarea--error"),
    "select": ("govuk-select", "govuk-select--error"),
    "file": ("govuk-file-upload", "govuk-file-upload--error"),
    "password": (
        "govuk-input govuk-password-input__input govuk-js-password-input-input",
        "govuk-input--error",
    ),
    "date": ("govuk-input govuk-input--width-10", "govuk-input--error"),
    "number": ("govuk-input govuk-input--width-10", "govuk-input--error"),
}
_DEFAULT_INPUT_CLASSES = ("govuk-input", "govuk-input--error")


@register.filter
def field_type(bound_field):
    """Which GOV.UK component renders this form field: text, email, number, password, date,
    textarea, select, checkbox, checkboxes, radios, file or hidden."""
    widget = getattr(getattr(bound_field, "field", None), "widget", None)
    for widget_class, name in _WIDGET_TYPES:
        if isinstance(widget, widget_class):
            return name
    return "text"


def _field_anchor_id(bound_field):
    """The id an error summary link should jump to: the first radio or checkbox of a group."""
    if field_type(bound_field) in ("radios", "checkboxes"):
        return f"{bound_field.auto_id}_0" if bound_field.auto_id else ""
    return bound_field.id_for_label or bound_field.auto_id or ""


@register.filter
def field_anchor(bound_field):
    return _field_anchor_id(bound_field)


@register.filter
def describedby(bound_field):
    """aria-describedby for a field: its hint and error message ids, as rendered by _field.html."""
    ids = []
    if bound_field.help_text:
        ids.append(f"{bound_field.auto_id}-hint")
    if bound_field.errors:
        ids.append(f"{bound_field.auto_id}-error")
    return " ".join(ids)


@register.simple_tag
def govuk_widget(bound_field, extra_class=""):
    """Render a field's own widget with the GOV.UK classes, error class and aria-describedby.

    The widget keeps Django's escaping; attributes the form already set are kept, and classes
    are added to any the form set.
    """
    kind = field_type(bound_field)
    base, error = _INPUT_CLASSES.get(kind, _DEFAULT_INPUT_CLASSES)
    classes = [base]
    if bound_field.errors and error:
        classes.append(error)
    own = bound_field.field.widget.attrs.get("class")
    if own:
        classes.append(own)
    if extra_class:
        classes.append(extra_class)
    attrs = {"class": " ".join(classes)}
    described = describedby(bound_field)
    if described:
        attrs["aria-describedby"] = described
    if kind == "password":
        attrs.update(spellcheck="false", autocapitalize="none")
    widget = None
    if kind == "number":
        # GOV.UK asks for type="text" with an inputmode: a type="number" input drops what the
        # person typed when it is not a number, so the error message would point at an empty box.
        widget = copy.copy(bound_field.field.widget)
        widget.input_type = "text"
        integer = isinstance(bound_field.field, forms.IntegerField)
        attrs.update(inputmode="numeric" if integer else "decimal", spellcheck="false")
    return bound_field.as_widget(widget=widget, attrs=attrs)


@register.simple_tag
def add_class(bound_field, css_class):
    """`{% add_class form.field "govuk-input--width-20" %}`: render a widget with an extra class."""
    own = bound_field.field.widget.attrs.get("class", "")
    return bound_field.as_widget(attrs={"class": f"{own} {css_class}".strip()})


def _forms_in(form, forms_list):
    found = []
    for candidate in [form, *(forms_list or [])]:
        if isinstance(candidate, (forms.BaseForm, forms.BaseFormSet)) and candidate not in found:
            found.append(candidate)
    return found


def _form_errors(form):
    items = []
    visible = form.visible_fields()
    first_anchor = _field_anchor_id(visible[0]) if visible else ""
    for message in form.non_field_errors():
        items.append({"href": f"#{first_anchor}" if first_anchor else "", "message": message})
    for bound_field in form:
        if bound_field.is_hidden:
            # A hidden field cannot be corrected by the person, so show it without a link.
            items.extend({"href": "", "message": m} for m in bound_field.errors)
            continue
        anchor = _field_anchor_id(bound_field)
        items.extend(
            {"href": f"#{anchor}" if anchor else "", "message": m} for m in bound_field.errors
        )
    return items


@register.simple_tag
def error_summary_items(form=None, forms_list=None):
    """Every error of a form (and of any further forms or formsets) as [{"href", "message"}],
    non-field errors first; field errors link to the field's input."""
    items = []
    for candidate in _forms_in(form, forms_list):
        if isinstance(candidate, forms.BaseFormSet):
            items.extend({"href": "", "message": m} for m in candidate.non_form_errors())
            for member in candidate.forms:
                items.extend(_form_errors(member))
        else:
            items.extend(_form_errors(candidate))
    return items


@register.filter
def is_list(value):
    return isinstance(value, (list, tuple))


@register.simple_tag
def elided_page_range(page_obj, on_each_side=1, on_ends=1):
    """Page numbers for _pagination.html, with Paginator.ELLIPSIS where pages are left out."""
    return list(
        page_obj.paginator.get_elided_page_range(
            page_obj.number, on_each_side=on_each_side, on_ends=on_ends
        )
    )
