import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheme", "0005_figures_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="schemesettings",
            name="mentee_check_in_days",
            field=models.PositiveSmallIntegerField(
                default=91,
                help_text="Days after a mentee signs up, without a partnership, before they are "
                "asked once whether they still want a mentor. 0: never asked.",
                validators=[django.core.validators.MaxValueValidator(730)],
                verbose_name="ask mentees with no mentor whether they still want one after (days)",
            ),
        ),
        migrations.AddField(
            model_name="schemesettings",
            name="mentee_reminder_days",
            field=models.PositiveSmallIntegerField(
                default=14,
                help_text="Days after a mentee signs up with no request and no application "
                "before they get one gentle reminder (how to find a mentor, how to ask the "
                "scheme team). 0: no reminder.",
                validators=[django.core.validators.MaxValueValidator(365)],
                verbose_name="remind mentees who have not asked after (days)",
            ),
        ),
    ]
