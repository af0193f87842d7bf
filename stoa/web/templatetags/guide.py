"""{% first_steps %}: the steps to a first post (stoa/web/first_steps.py), where a new owner needs them."""

from django import template

from stoa.web.first_steps import first_steps as steps_of

register = template.Library()


@register.inclusion_tag("web/_first_steps.html", takes_context=True)
def first_steps(context) -> dict:
    request = context.get("request")
    return {"steps": steps_of(request.user) if request is not None else []}
