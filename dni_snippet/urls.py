from django.urls import path

from dni_snippet import views

app_name = "dni_snippet"

urlpatterns = [
    path("demo/", views.demo, name="demo"),
    path("<slug:key>.js", views.script, name="script"),
    path("<slug:key>/assign", views.assign, name="assign"),
    path("<slug:key>/leave", views.leave, name="leave"),
    path("<slug:key>/amp.json", views.amp_config, name="amp"),
]
