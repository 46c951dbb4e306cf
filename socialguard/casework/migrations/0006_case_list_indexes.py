from django.db import migrations, models


class Migration(migrations.Migration):
    """Indexes for the case list and dashboard at 100,000 cases (issue 10): newest first, by
    status, the viewer's audience (PostgreSQL's semi-join), each case's soonest open action, and
    overdue actions. No index on category: SQLite would walk it for "open cases by category"
    instead of the status index (3x slower); a category filter scans fast enough without one."""

    dependencies = [("casework", "0005_action_controls")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["created_at", "id"], name="case_created_idx"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["state", "created_at"], name="case_state_created_idx"),
        ),
        migrations.AddIndex(
            model_name="caseaudience",
            index=models.Index(fields=["role", "case"], name="caseaudience_role_case_idx"),
        ),
        migrations.AddIndex(
            model_name="caseaction",
            index=models.Index(fields=["case", "status", "due_at"], name="caseaction_case_due_idx"),
        ),
        migrations.AddIndex(
            model_name="caseaction",
            index=models.Index(fields=["status", "due_at"], name="caseaction_status_due_idx"),
        ),
    ]
