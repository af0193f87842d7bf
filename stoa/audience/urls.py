from django.urls import path

from stoa.audience import views

urlpatterns = [
    path("audience/leaders/", views.leaders_page, name="leaders"),
    path("audience/leaders.csv", views.leaders_export, name="leaders-export"),
    path("audience/competitors/", views.competitors_page, name="competitors"),
    path("audience/competitors/<int:competitor_id>/remove/", views.remove, name="competitor-remove"),
]
