[assembly: Parallelizable(ParallelScope.None)]
