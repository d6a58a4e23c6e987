; Inno Setup script: installs Mentor App for the current user, no administrator rights.
; Build on Windows after `make installer` (which leaves the one-folder build in dist\mentor-app):
;   iscc /DAppVersion=0.1.0 installer\windows\mentor-app.iss
; The version is passed in from mentor_app/__init__.py (see installer/README.md); it is not written here.
#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z installer\windows\mentor-app.iss
#endif

[Setup]
AppId={{6E0C2F4B-7D1A-4C55-9B0E-3F1A2D6C8B71}
AppName=Mentor App
AppVersion={#AppVersion}
AppPublisher=Mentor App
DefaultDirName={localappdata}\Programs\Mentor App
DefaultGroupName=Mentor App
DisableProgramGroupPage=yes
; Per-user: no UAC prompt, nothing written outside the user's own folders and registry hive.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
OutputDir=..\..\dist
OutputBaseFilename=mentor-app-{#AppVersion}-windows-setup
SetupIconFile=..\..\build\icons\mentor-app.ico
UninstallDisplayIcon={app}\mentor-app.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes

[Files]
Source: "..\..\dist\mentor-app\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{userprograms}\Mentor App"; Filename: "{app}\mentor-app.exe"; Parameters: "open"
Name: "{userdesktop}\Mentor App"; Filename: "{app}\mentor-app.exe"; Parameters: "open"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Put Mentor App on the desktop"; Flags: unchecked

[Registry]
; A double-clicked .mentorlog (a mentor's log) opens the supervisor's import.
Root: HKCU; Subkey: "Software\Classes\.mentorlog"; ValueType: string; ValueData: "MentorApp.Log"; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\MentorApp.Log"; ValueType: string; ValueData: "Mentor App log"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\MentorApp.Log\DefaultIcon"; ValueType: string; ValueData: "{app}\mentor-app.exe,0"
Root: HKCU; Subkey: "Software\Classes\MentorApp.Log\shell\open\command"; ValueType: string; ValueData: """{app}\mentor-app.exe"" open ""%1"""

[Run]
Filename: "{app}\mentor-app.exe"; Parameters: "open"; Description: "Open Mentor App now"; Flags: nowait postinstall skipifsilent

[Code]
// The encrypted profile (the notes) lives in %LOCALAPPDATA%\Mentor App and stays after
// uninstalling unless the person chooses to remove it here.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Notes: String;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    Notes := ExpandConstant('{localappdata}\Mentor App');
    if DirExists(Notes) and not UninstallSilent then
      if MsgBox('Also delete your encrypted Mentor App notes and their backups from this computer?' + #13#10 +
                'Choose No to keep them (for example, to install again later).',
                mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
        DelTree(Notes, True, True, True);
  end;
end;
