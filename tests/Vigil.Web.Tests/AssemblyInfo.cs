// One stack (portal, streamer, camera, agent) is shared by the browser scenarios, which run in order.
[assembly: NonParallelizable]
