app_name = "dni_snippet"

urlpatterns = []
