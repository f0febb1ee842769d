using Vigil.Demo;

// vigil-demo --agent PATH --camera-script PATH --state DIR [--until-playing] [--free-ports]: see DemoCommand.
return await DemoCommand.RunAsync(args);
