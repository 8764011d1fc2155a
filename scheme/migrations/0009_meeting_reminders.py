from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheme", "0008_help_contacts"),
    ]

    operations = [
        migrations.AddField(
            model_name="schemesettings",
            name="meeting_reminders",
            field=models.BooleanField(
                default=True,
                help_text="Email both sides about a day before each planned meeting, with its "
                "time, how they meet and the calendar file.",
            ),
        ),
    ]
