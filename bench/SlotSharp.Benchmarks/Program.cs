using BenchmarkDotNet.Running;

// Micro-benchmarks of the kernels that bound decode and SLOT speed. Whole-pipeline numbers come from `slot bench`.
// Run: dotnet run -c Release --project bench/SlotSharp.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

public partial class Program;
