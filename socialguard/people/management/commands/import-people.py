from socialguard.people.importcommand import CsvImportCommand
from socialguard.people.services import people_import


class Command(CsvImportCommand):
    help = "Import people from a CSV file (all or nothing; safe to run again)."

    def run_import(self, content: bytes) -> dict:
        return people_import(content=content)

    def describe(self, result: dict) -> str:
        return (
            f"Imported {result['rows']} rows: {result['created']} new, {result['updated']} updated."
        )
