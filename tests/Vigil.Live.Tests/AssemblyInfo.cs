// One stack (portal, nginx-rtmp, Janus, coturn, vigil-live, a publishing camera) is shared by the suite, whose tests run in order.
[assembly: NonParallelizable]
