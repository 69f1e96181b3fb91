from django.core.management.base import BaseCommand, CommandError

from devtools.generators.portfolio import generate_portfolio


class Command(BaseCommand):
    help = "Generate a deterministic synthetic portfolio of any size, for tests and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, required=True, help="How many projects to create.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same portfolio.")
        parser.add_argument(
            "--payments-per-tranche",
            type=int,
            nargs=2,
            default=(1, 3),
            metavar=("FEWEST", "MOST"),
            help="How many disbursements pay each tranche (4 8 gives about 20 transactions a project).",
        )

    def handle(self, *args, projects: int, seed: int, payments_per_tranche, **options):
        if projects < 1:
            raise CommandError("--projects must be at least 1.")
        fewest, most = payments_per_tranche
        if not 1 <= fewest <= most:
            raise CommandError("--payments-per-tranche takes two numbers, 1 <= FEWEST <= MOST.")
        result = generate_portfolio(projects=projects, seed=seed, payments_per_tranche=(fewest, most))
        if not result.projects:
            self.stdout.write(f"The portfolio for seed {seed} already exists; nothing was changed.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {result.projects} projects, {result.contributions} contributions, "
                f"{result.organisations} organisations, {result.cities} cities and "
                f"{result.transactions} transactions (seed {seed})."
            )
        )
