using System.CommandLine;
using SlotSharp.Gguf;
using SlotSharp.Hub;

namespace SlotSharp.Cli.Commands;

/// <summary>`slot convert --model DIR_OR_REPO --output FILE.gguf --type f32|f16|bf16|q8_0|q4_k_m|q6_k`: a GGUF for llama.cpp.</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model folder (Qwen2 or Llama family), or a Hub repo id", Required = true };
        var revision = new Option<string?>("--revision") { Description = "Hub revision when --model is a repo id" };
        var output = new Option<string>("--output") { Description = "GGUF file to write", Required = true };
        var type = new Option<string>("--type")
        {
            Description = $"Tensor type of the big weights: {string.Join(", ", GgufFileType.All.Select(t => t.Name))} (norms and biases stay f32)",
            DefaultValueFactory = _ => "f16",
        };
        var threads = new Option<int>("--threads") { Description = "Quantizer threads (0 = all cores)" };
        var force = new Option<bool>("--force") { Description = "Replace --output if it exists (without it, an existing file is refused)" };
        var cmd = new Command("convert", "Convert a Hugging Face checkpoint to a GGUF file for llama.cpp (quantized with llama.cpp's own quantizer)");
        cmd.Options.Add(model); cmd.Options.Add(revision); cmd.Options.Add(output); cmd.Options.Add(type); cmd.Options.Add(threads); cmd.Options.Add(force);
        cmd.SetAction(parse =>
        {
            var fileType = CliErrors.NamingFlag("--type", () => GgufFileType.Parse(parse.GetValue(type)!, "type"));
            var path = parse.GetValue(output)!;
            if (!path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
                throw new UserInputException($"--output '{path}' must end in .gguf");
            if (Directory.Exists(path)) throw new UserInputException($"--output '{path}' is a folder; give the GGUF file to write");
            var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!Directory.Exists(dir)) throw new UserInputException($"--output: folder '{dir}' does not exist");
            // Checked before the minutes of work as well as at the final rename (which refuses too, should one appear meanwhile).
            bool replace = parse.GetValue(force);
            if (File.Exists(path) && !replace) throw new UserInputException($"--output '{path}' exists; pass --force to replace it");
            string name = parse.GetValue(model)!;
            // The one loader's resolution (folder or Hub id); the safetensors are what a conversion reads.
            var load = new ModelLoadOptions { Revision = parse.GetValue(revision), Backend = SlotSharp.Backends.BackendKind.Torch };
            var folder = Directory.Exists(name) ? name : HubProgressBars.Run(p => ModelLoader.Resolve(name, load with { Progress = p }));
            SlotSharp.Backends.ModelLocator.Locate(folder, SlotSharp.Backends.BackendKind.Torch); // no safetensors: one line naming the folder
            var started = System.Diagnostics.Stopwatch.StartNew();
            GgufConverter.Convert(folder, path, fileType, parse.GetValue(threads), m => Console.Error.WriteLine(m), overwrite: replace);
            Console.Error.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1e6:F1} MB, {fileType.Name}) in {started.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return cmd;
    }
}
