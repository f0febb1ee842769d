using Vigil.Archive;

return await ArchiveProgram.MainAsync(args).ConfigureAwait(false);
