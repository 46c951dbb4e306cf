from socialguard.consent.services import consent_import
from socialguard.people.importcommand import CsvImportCommand


class Command(CsvImportCommand):
    help = "Import image consent from a CSV file (all or nothing; safe to run again)."

    def run_import(self, content: bytes) -> dict:
        return consent_import(content=content)

    def describe(self, result: dict) -> str:
        return (
            f"Imported {result['rows']} rows: {result['changed']} with changes, "
            f"{result['restricted_added']} added to the restricted list."
        )
