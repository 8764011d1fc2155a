from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheme", "0006_mentee_nudges"),
    ]

    operations = [
        migrations.AddField(
            model_name="schemesettings",
            name="training_required_to_publish",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "If ticked, a bio is published only once the mentor's completed training "
                    "is recorded on it. Bios already on the register stay there."
                ),
                verbose_name="training required before a bio is published",
            ),
        ),
    ]
