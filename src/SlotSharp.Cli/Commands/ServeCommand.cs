using System.CommandLine;
using SlotSharp.Cli.Serving;

namespace SlotSharp.Cli.Commands;

/// <summary>`slot serve --model DIR_OR_REPO [--urls http://127.0.0.1:8080]`: SLOT generation over HTTP.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var slot = new SlotCliOptions();
        var urls = new Option<string>("--urls") { Description = "Address to listen on", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var longContext = LongContextOption.Create();
        longContext.Description += "; the default for requests, which may set \"allow_long_context\" themselves";
        var cmd = new Command("serve", "Serve one model over HTTP: POST /v1/generate (the JSON of `slot generate --json`), GET /health");
        model.AddTo(cmd);
        slot.AddTo(cmd);
        cmd.Options.Add(urls);
        cmd.Options.Add(longContext);
        cmd.SetAction(parse =>
        {
            model.Validate(parse);
            var defaults = slot.Resolve(parse);
            using var pipeline = model.LoadPipeline(parse);
            var app = new SlotServer(pipeline, defaults, parse.GetValue(longContext)).Build(parse.GetValue(urls)!);
            Console.Error.WriteLine($"serving {pipeline.ModelId} on {parse.GetValue(urls)} (POST /v1/generate, GET /health)");
            app.Run();
            return 0;
        });
        return cmd;
    }
}
