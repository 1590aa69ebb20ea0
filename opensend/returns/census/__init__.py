"""The school census SEN file: its layout (``layout``), reading CSV and XLSX (``reader``) and
the census rules each row must meet (``rules``). Pure code with no database: the checks that
need the database (settings, existing children) are in ``opensend.returns.services``."""
