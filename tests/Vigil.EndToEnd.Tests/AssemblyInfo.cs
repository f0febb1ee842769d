// Each fixture brings up its own portal, streamer, cameras and agents on free ports: fixtures may
// run side by side, but two at a time is what two cores carry next to the encoders.
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(2)]
