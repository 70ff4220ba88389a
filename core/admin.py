from django.contrib import admin

admin.site.site_header = "callpool administration"
admin.site.site_title = "callpool admin"
admin.site.index_title = "Accounts, websites, pools and trackers"
