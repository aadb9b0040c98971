using FaceGen.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("facegen");
    config.AddCommand<DoctorCommand>("doctor").WithDescription("Check the platform, the TorchSharp native backend, the device and the data folders.");
});
return app.Run(args);
