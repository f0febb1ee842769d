// Each fixture brings up its own processes on free ports; two at a time is what two cores carry.
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(2)]
